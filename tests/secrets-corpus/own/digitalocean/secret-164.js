export const config = {
  region: 'eu-west-1',
  credential: `dop_v1_fa025c560edd24d3a874671861d99dda00a0d921e3124a275a08e1a9749fc32c`,
};
