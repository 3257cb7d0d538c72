export const config = {
  region: 'eu-west-1',
  credential: `-----BEGIN RSA PRIVATE KEY-----Qw+HDWDGz33RW/ZMDcIzxvOaiq2k/pZN2SxtplWeG2fWcok+X+0zRSBDAARbtMWnh+iTyJxsm64AaJ22kSoDmNaXEPBp+tHTFXaAfFgw8cvo5WkLBjUuxqat5OLttGXM-----END RSA PRIVATE KEY-----`,
};
