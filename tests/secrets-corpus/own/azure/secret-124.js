export const config = {
  region: 'eu-west-1',
  credential: `AccountKey=nJVlOzBHhcukDfsfPqYv6cjS+e6zimwW03oUp5DPASh9eXuPsyXsfXCspNXfxCXCgWEuTRvhPuxtkxdI+bO7+Q==`,
};
