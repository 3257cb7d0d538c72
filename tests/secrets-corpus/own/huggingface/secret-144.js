export const config = {
  region: 'eu-west-1',
  credential: `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`,
};
