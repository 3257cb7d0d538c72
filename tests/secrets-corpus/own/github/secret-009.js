export const config = {
  region: 'eu-west-1',
  credential: `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`,
};
