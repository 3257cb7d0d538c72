export const config = {
  region: 'eu-west-1',
  credential: `"apiKey": "89XCfwiN2aqanIzC18yZpsLpm787ZCYL"`,
};
