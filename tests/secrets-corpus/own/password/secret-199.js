export const config = {
  region: 'eu-west-1',
  credential: `DB_PASSWORD="ImgOccLvtBnp"`,
};
