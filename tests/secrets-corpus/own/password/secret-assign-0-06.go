const dbPassword = "FAc9QeWJKY40uv"
