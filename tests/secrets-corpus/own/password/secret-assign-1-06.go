const dbPassword = "aZUPgHV7iB3m03nbqn"
