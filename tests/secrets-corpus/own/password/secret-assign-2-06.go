const dbPassword = "tOofL9H2WjQ5TY4MyWuUFj"
