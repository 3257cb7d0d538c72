export const config = {
  region: 'eu-west-1',
  credential: `sk-proj-mVkqsVmH6RlzL6lvsE83T3BlbkFJ6dJCMDH4Z5vqbMIFrTLc`,
};
