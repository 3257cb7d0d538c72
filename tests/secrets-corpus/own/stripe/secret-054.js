export const config = {
  region: 'eu-west-1',
  credential: `sk_test_dQ1V9yj7iUOUh1NPDsJN84Fd`,
};
