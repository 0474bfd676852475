export URL3=
