export const config = {
  region: 'eu-west-1',
  credential: `Nch8Q~3urubJEyqmtVOR1i7fCaklkzMSQhlJU4Zs`,
};
