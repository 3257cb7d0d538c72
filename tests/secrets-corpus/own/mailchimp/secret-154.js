export const config = {
  region: 'eu-west-1',
  credential: `6ace0fba02a8f330230d646cf3739d53-us14`,
};
