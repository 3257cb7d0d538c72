export const config = {
  region: 'eu-west-1',
  credential: `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`,
};
