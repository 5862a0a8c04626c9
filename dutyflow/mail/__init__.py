"""E-mail: sending a message through an SMTP server (``transport``), and the local mail sink the
embedded stack runs so that a newcomer sees every message without a mail server (``sink``).

What a message says is decided elsewhere (a notification carries who must do what, by when, and
a link; never case content); this package only moves messages."""
