export const config = {
  region: 'eu-west-1',
  credential: `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`,
};
