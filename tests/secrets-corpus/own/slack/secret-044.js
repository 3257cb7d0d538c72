export const config = {
  region: 'eu-west-1',
  credential: `https://hooks.slack.com/services/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`,
};
