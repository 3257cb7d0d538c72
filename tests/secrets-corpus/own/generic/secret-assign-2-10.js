const accessToken = "WnoVPDF2yeE6RsXcNOPmeM";
