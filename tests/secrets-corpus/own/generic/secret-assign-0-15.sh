curl -u admin:Oq9wMxEhh2FDEE https://registry.internal/v2/
