export const config = {
  region: 'eu-west-1',
  credential: `glpat-ZpoQzvfZi4BOClH53mAu`,
};
