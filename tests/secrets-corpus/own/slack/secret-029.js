export const config = {
  region: 'eu-west-1',
  credential: `xoxb-495099404666-1655986370205-gmlN9AJ1bXgJHkC3zntqffNd`,
};
