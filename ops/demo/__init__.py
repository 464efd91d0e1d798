"""The demo data: a fictional county's register, agreements and assessment rounds, and the services that seed them."""
