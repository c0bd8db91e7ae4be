"""Staff pages: signed sign-in links, session cookies, CSRF tokens and the pages' view models. Pure."""
