export const config = {
  region: 'eu-west-1',
  credential: `PMAK-c0ee0ae79b3b02c7950428b7-8ca325ab95d95a51644fbb1f8ba582b9b3`,
};
