export const config = {
  region: 'eu-west-1',
  credential: `glrt-eyN14AQzGehKs5qjnVeA`,
};
