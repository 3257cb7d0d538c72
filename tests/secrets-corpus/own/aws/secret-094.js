export const config = {
  region: 'eu-west-1',
  credential: `ABIAM5Z3TLJNS4KWPYOL`,
};
