"""Upper bounds for the numbers people give: forms and API fields use them as max_value, model
fields as MaxValueValidator (so the admin refuses too). Each is far above any real value and far
below what breaks the database (a 32-bit integer) or date arithmetic (the year 9999)."""

# A validity or a renewal cycle: a hundred years; an expiry computed from it stays a valid date.
MONTHS_MAX = 1_200
# Hours of preparation or of a course or milestone's effort.
HOURS_MAX = 10_000
# Renewal credits per cycle or per category.
CREDITS_MAX = 10_000
# A salary in any currency's units.
SALARY_MAX = 2_000_000_000
