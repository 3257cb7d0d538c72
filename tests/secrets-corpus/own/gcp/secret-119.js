export const config = {
  region: 'eu-west-1',
  credential: `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`,
};
