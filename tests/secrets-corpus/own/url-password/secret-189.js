export const config = {
  region: 'eu-west-1',
  credential: `postgres://app:VgTcDgkw5j15K2cG@db.internal:5432/app`,
};
