export const config = {
  region: 'eu-west-1',
  credential: `dapid893b96cd9d0fd8d9ea04160c034ba8d`,
};
