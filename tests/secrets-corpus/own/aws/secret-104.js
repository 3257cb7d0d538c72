export const config = {
  region: 'eu-west-1',
  credential: `aws_secret_access_key = ca+JF+W3Ybbvq4rmBgMo5KR9CsyktxouxM6QVTVp`,
};
