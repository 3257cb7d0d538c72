export const config = {
  region: 'eu-west-1',
  credential: `ABSK0yNMbb9fGdK06xaPKd5dCvOzPEmFg/AYa6a9I1IPeNONwS1fvoYZlVrkCM+i+QsQuh1GYJJcxhalRMlapOJ1NbszD7NIR/3Ulls0LeCcRiyp04VTk1Yvb5Jhw4ZhG19ncwKo`,
};
