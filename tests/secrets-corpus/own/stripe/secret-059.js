export const config = {
  region: 'eu-west-1',
  credential: `rk_live_axBC1AXJpVLfMdQsXybI43Ip`,
};
