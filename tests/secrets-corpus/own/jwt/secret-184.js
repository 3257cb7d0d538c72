export const config = {
  region: 'eu-west-1',
  credential: `eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJNRW84T2VDekJFIiwibmFtZSI6IkFkYSIsImlhdCI6MTczMzEwMDAwMH0.Sig4gH5wpw7CfBDjlFJF3yAg3d3KdGx1X4Rw9tJ6uNw`,
};
