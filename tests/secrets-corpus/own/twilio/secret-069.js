export const config = {
  region: 'eu-west-1',
  credential: `SK812b6721896921fc1b092d68a8b78e36`,
};
