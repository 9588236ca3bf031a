# ruff: noqa: E501 (each paragraph of a letter is one line: a line break in the wording is kept)
"""The partnership's default wording for each kind of letter (version 1, organisation none),
loaded by migration 0002. An organisation publishes its own versions from the letter
templates page; these stay as the fallback. Placeholders are documents.letters.PLACEHOLDERS.

The community protection warning and notice follow the Anti-social Behaviour, Crime and
Policing Act 2014, ss. 43-58 (the statutory guidance asks for the conduct, what must be done
or stopped, by when, and the consequences of failing, including the right of appeal for a
notice); the closure notice follows s. 76 and s. 80."""

DEFAULTS = {
    "warning": (
        "Warning about anti-social behaviour",
        """Dear {{ recipient_name }}

We have received reports of anti-social behaviour connected with you. The behaviour reported is:

{{ conduct }}

This behaviour must stop. In particular you must:

{{ requirements }}

If the behaviour continues, {{ organisation }} may take further action, which can include a community protection warning or notice, an application to the court for an injunction, or action on your tenancy.

If you want to talk about this letter, or think it has been sent to you in error, contact {{ officer_name }} at {{ organisation }}{{ officer_contact }} quoting {{ case_reference }}.

Yours sincerely

{{ officer_name }}
{{ organisation }}""",
    ),
    "abc": (
        "Acceptable behaviour agreement",
        """This agreement is made between {{ recipient_name }} and {{ organisation }} on {{ date }}, reference {{ case_reference }}.

It follows reports of this behaviour:

{{ conduct }}

I, {{ recipient_name }}, agree that I will:

{{ requirements }}

This agreement is voluntary. It will be reviewed by {{ comply_by }}. If it is broken, the agencies may take further action, which can include a civil injunction under Part 1 of the Anti-social Behaviour, Crime and Policing Act 2014.

Support is available to help keep to this agreement: ask {{ officer_name }}{{ officer_contact }}.

Signed (the person making the agreement): ______________________  Date: __________

Signed for {{ organisation }}: ______________________  Date: __________""",
    ),
    "cpw": (
        "Community protection warning",
        """Anti-social Behaviour, Crime and Policing Act 2014, section 43

To: {{ recipient_name }}

{{ organisation }} is satisfied that your conduct is having a detrimental effect, of a persistent or continuing nature, on the quality of life of those in the locality, and that the conduct is unreasonable.

The conduct is:

{{ conduct }}

You are warned that unless you take the following steps by {{ comply_by }}, a community protection notice may be issued to you:

{{ requirements }}

Failing to comply with a community protection notice is a criminal offence. On conviction you may be fined up to level 4 on the standard scale (or, for a body, an unlimited fine) and the court may order forfeiture or seizure of items used in the conduct.

Issued by {{ officer_name }}, {{ organisation }}, on {{ date }}. Reference {{ case_reference }}.""",
    ),
    "cpn": (
        "Community protection notice",
        """Anti-social Behaviour, Crime and Policing Act 2014, section 43

To: {{ recipient_name }}

{{ organisation }} is satisfied on reasonable grounds that your conduct is having a detrimental effect, of a persistent or continuing nature, on the quality of life of those in the locality, and that it is unreasonable. You were given a written warning that a notice would be issued unless the conduct stopped, and you have had enough time to deal with the matter.

The conduct is:

{{ conduct }}

You are required, by {{ comply_by }}, to:

{{ requirements }}

Failing without reasonable excuse to comply with this notice is an offence under section 48. On conviction you may be fined up to level 4 on the standard scale (for a body, an unlimited fine), and the court may order forfeiture of any item used in the commission of the offence. {{ organisation }} may also carry out the work needed to secure compliance and recover its costs from you (section 47), and may issue a fixed penalty notice (section 52).

Your right of appeal: you may appeal to a magistrates' court within 21 days of the date this notice was issued, on the grounds set out in section 46. While an appeal is pending, requirements to take action are suspended; requirements to stop doing things remain in force.

Issued by {{ officer_name }}, {{ organisation }}, on {{ date }}. Reference {{ case_reference }}.""",
    ),
    "closure": (
        "Closure notice",
        """Anti-social Behaviour, Crime and Policing Act 2014, section 76

Premises: {{ premises }}

This closure notice is issued by {{ organisation }} on {{ date }}. It is believed on reasonable grounds that the use of the premises has resulted, or is likely soon to result, in nuisance to members of the public, or that there has been, or is likely soon to be, disorder near those premises associated with their use, and that the notice is necessary to prevent this. The reasons are:

{{ conduct }}

Access to the premises is prohibited, except for people who habitually live there and the owner, for up to 48 hours from the service of this notice unless extended.

An application will be made for a closure order under section 80 at: {{ hearing }}.

Failing without reasonable excuse to comply with this closure notice is an offence under section 86. On conviction you may be imprisoned for up to three months, fined, or both.

Information about sources of advice on housing and legal matters is available from {{ organisation }}: contact {{ officer_name }}{{ officer_contact }}, quoting {{ case_reference }}.""",
    ),
    "victim_contact": (
        "Your single point of contact",
        """Dear {{ recipient_name }}

Thank you for telling us about the anti-social behaviour you have experienced. Your case reference is {{ case_reference }}.

Your single point of contact is {{ spoc_name }} at {{ spoc_organisation }}{{ spoc_contact }}. They will keep you updated on what is being done, agree with you how and when you will hear from us, and tell you if your case is closed and why.

If the behaviour has happened at least three times in the last six months and you are not satisfied with the response, you can ask for an ASB Case Review.

If you are in immediate danger, call 999.

Yours sincerely

{{ officer_name }}
{{ organisation }}""",
    ),
}
