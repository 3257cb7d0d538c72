export const config = {
  region: 'eu-west-1',
  credential: `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`,
};
