"""The limits on what may be shown: plain numbers, no NumPy (the models import them)."""

#: Nothing about a group is shown below this many respondents, unless an
#: organization chooses another threshold ...
MIN_GROUP_SIZE_DEFAULT = 5
#: ... which may never be lower than this: with two respondents each one can
#: work out the other's answers from the mean and their own.
MIN_GROUP_SIZE_FLOOR = 3

#: Cronbach's alpha is shown on a team's pages from this many respondents on.
#: Below it, the Feldt interval of a typical team's alpha spans most of the
#: possible values (4 people and 7 items: an alpha of -0.97 lies "probably
#: between -6.8 and 0.86"): nothing can be read from it, so one sentence says
#: so instead.
ALPHA_MIN_RESPONDENTS = 10
