config.secret_key_base = 'oQoaF1LlqsajAI'
