export const config = {
  region: 'eu-west-1',
  credential: `sk_live_hkclPe2Jo6nazxOPyDXdo26C`,
};
