export const config = {
  region: 'eu-west-1',
  credential: `ACCAOFCCXZAWN2UPWNLF`,
};
