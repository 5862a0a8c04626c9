"""What Dutyflow keeps of a client as such, beside their cases: the acknowledgement that they were
told the limits of confidentiality."""
