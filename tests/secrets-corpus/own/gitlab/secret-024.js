export const config = {
  region: 'eu-west-1',
  credential: `glcbt-1f_CkbgoEYuAlBrt5zG4naK`,
};
