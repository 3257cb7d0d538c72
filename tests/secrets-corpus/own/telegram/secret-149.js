export const config = {
  region: 'eu-west-1',
  credential: `4175635267:AAVRnQ5KeYX8wYv22QE9NFEdJkqmbd83AQ1`,
};
