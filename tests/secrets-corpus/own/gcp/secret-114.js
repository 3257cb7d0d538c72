export const config = {
  region: 'eu-west-1',
  credential: `AIzal7BlmVcMJTQHaVBSkuFJMci3L1kXSjtSmKq`,
};
