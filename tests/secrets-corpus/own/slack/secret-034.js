export const config = {
  region: 'eu-west-1',
  credential: `xapp-1-AMHV4V7HWP4-5080677645888-1b67585697abf3768e380b0ba3be61fad37878f768c184632930cf456923dd10`,
};
