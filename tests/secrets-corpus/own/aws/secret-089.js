export const config = {
  region: 'eu-west-1',
  credential: `AKIAGHDUPJ7DXQSNL3WA`,
};
