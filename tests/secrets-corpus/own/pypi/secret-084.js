export const config = {
  region: 'eu-west-1',
  credential: `pypi-AgEIcHlwaS5vcmcCIElLWnZSYTJkRnFZc3hER3NBcFJGbFdSQXVmNmpMbEZIAAAGIGRaYzJQNht-ZqzmMLY9QMF7eRbaCeV4FKr3bg5W3fKi`,
};
