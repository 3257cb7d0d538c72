curl -u admin:o4gfqrc5XlrWi0B26R https://registry.internal/v2/
