const accessToken = "i0B3JrTAwR4y9o";
