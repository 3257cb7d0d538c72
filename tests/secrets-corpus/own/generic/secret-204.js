export const config = {
  region: 'eu-west-1',
  credential: `client_secret: "F0w62AvHr6Gh594DfqJCJOYMH4t8A9VC"`,
};
