export const config = {
  region: 'eu-west-1',
  credential: `SG.lutQrm0M2GwY5m31GtbBNe.9buajGhktnwfrpV3tN6dK0N0K99B4lO72dQeGSG1bGl`,
};
