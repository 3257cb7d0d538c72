export const config = {
  region: 'eu-west-1',
  credential: `Authorization: Bearer 6XzuHw0wvnG8QT9mjnUhAWxcHux3RToJruxjlUxO`,
};
