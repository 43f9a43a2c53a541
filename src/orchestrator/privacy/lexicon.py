"""Word lists the recognizers are built from: data, kept apart so the patterns stay readable."""

from __future__ import annotations


def _tuple(words: str) -> tuple[str, ...]:
    return tuple(words.split())


def _set(words: str) -> frozenset[str]:
    return frozenset(words.split())


def _phrases(text: str) -> tuple[str, ...]:
    """Comma-separated, so a phrase may hold spaces: "call back, my number"."""
    return tuple(phrase.strip() for phrase in text.split(",") if phrase.strip())


# Words that end (or refuse to start) a name after a cue: "my name is john AND i need ...".
# Function words, fillers of voice transcripts, and the verbs and nouns a caller says next.
STOPWORDS = _set(
    """
    a about above account actually after again against ago all allergic almost also am an and
    another any anyone anything are around as asap ask asked asking at available away back bad
    be because been before being below best better between birth bit born both bottle bought
    but by calling call called can cannot cant card cause checking clinic could currently date
    day days dear did didnt do does doing done dont down during each earlier either else email
    end ending enough even ever every for from frustrated fine first gave get getting give glad
    go going gone good got had has have having he hello help her here hers hey hi him his how
    however i id if ill im in insurance into is it its ive just kind know last late later less
    let like looking lot made many may maybe me medication medicine meds member might mine more
    morning most much must my myself name need needed needs never next no nobody none nor not
    nothing now number of off oh ok okay old on once one only or order other our out over own
    pharmacy phone picking please pretty prescription prescribed probably put quick quite
    rather re ready really refill regarding right said same say says see seems sent she should
    since so some someone something soon sorry speaking still such sure take taking than thank
    thanks that the their them then there these they thing think this those though through to
    today told tomorrow too trying two uh um under until up upset urgent us very via wait
    waiting want wanted wanting was we well were what when where whether which while who whom
    whose why will with without wondering would yeah yes yesterday yet you your yours afternoon
    evening tonight week month year hour minute er erm hmm mm uhm like yep nope calling writing
    reaching emailing texting following contacting checking dob ssn rx mrn zip fax tel cell
    mobile home work don isn won didn doesn wasn haven couldn wouldn shouldn aren weren hasn
    hadn
    """
)

# Stopwords that also name streets ("Old Mill Rd", "First Ave"): allowed inside an address.
STREET_WORDS_ALLOWED = _set("old first second third back home church long lake hill park center")

# Job titles that introduce a name in apposition: "the pharmacist, Jenna, said ...".
ROLES = _tuple(
    """
    pharmacist technician tech nurse agent rep representative driver courier manager cashier
    clerk associate caseworker aide assistant receptionist supervisor
    """
)

# Words that make a capitalised phrase an organisation, not a person: "Lakeside Family Practice".
ORGANISATION_WORDS = _set(
    """
    pharmacy pharmacies clinic clinics practice hospital center centre medical health healthcare
    group office team inc llc corp company store department services care associates partners
    labs laboratory university college school insurance
    """
)

# Capitalised words that follow a weak cue ("This is ...", "I'm ...") but are not names.
COMMON_CAPITALISED = _set(
    """
    monday tuesday wednesday thursday friday saturday sunday january february march july
    september october november december today tomorrow yesterday type diabetic pregnant
    allergic asthmatic sick ill unable unhappy happy confused concerned worried disappointed
    frustrated calling writing trying looking following medicare medicaid tricare aetna cigna
    humana anthem kaiser optum blue united express walgreens cvs rite costco walmart kroger
    target amazon pharmacy pharmacist customer support team staff manager doctor nurse patient
    caregiver member service services insulin tylenol advil aleve lipitor metformin ozempic
    wegovy zoloft xanax adderall the a an this that it my your our their his her not no yes ok
    okay please sir madam all everyone everybody there here new good great fine well just also
    still very really
    """
)

# Common first names, used only for lowercase voice transcripts after a weak cue
# ("hi this is maria calling"), where capitalisation cannot tell a name from a word.
FIRST_NAMES = _set(
    """
    aaron abigail adam adrian ahmed aisha alan albert alex alexander alexis alice alicia
    allison amanda amber amit amy ana andrea andrew angela anita ann anna anne anthony antonio
    ashley barbara ben benjamin beth betty bob bonnie brandon brenda brian brittany bruce carl
    carlos carmen carol caroline catherine charles charlotte cheryl chris christina christine
    christopher cindy claire connie craig crystal cynthia dan daniel danielle darlene dave
    david debbie deborah denise dennis diana diane donald donna doris dorothy douglas dylan ed
    eddie edward elaine elena elizabeth ellen emily emma eric erica eugene evelyn fatima
    frances frank fred gabriel gail gary george gerald gloria greg gregory hannah harold
    heather helen henry howard ian irene jack jacob james jamie jane janet janice jason jean
    jeff jeffrey jennifer jenny jeremy jerry jesse jessica jim jimmy joan joe joel john johnny
    jon jonathan jorge jose joseph joshua joyce juan judith judy julia julie justin karen kate
    katherine kathleen kathy keith kelly ken kenneth kevin kim kimberly kyle larry laura lauren
    lawrence leah lee linda lisa lori louis lucy luis luke lynn madison manuel marcus margaret
    maria marie marilyn martha martin mary matthew megan melissa michael michelle mike mohammed
    muhammad nancy natalie nathan nicholas nicole noah olivia omar oscar pamela patricia
    patrick paul paula peggy peter phillip priya rachel ralph randy raymond rebecca richard
    rick rita robert roberto robin roger ronald rosa roy russell ruth ryan sam samantha samuel
    sandra sara sarah scott sean sharon shirley sofia sophia stephanie stephen steve steven
    susan tammy teresa terry theresa thomas tim timothy tina todd tom tony tracy tyler victor
    victoria vincent virginia walter wanda wayne wei william willie yolanda zachary
    """
)

NAME_PARTICLES = ("de", "del", "della", "da", "di", "van", "von", "der", "den", "la", "le", "du")

TITLES = ("Dr", "Mr", "Mrs", "Ms", "Mx", "Miss", "Prof")

RELATIONS = _phrases(
    """
    son, daughter, wife, husband, mother, mom, mum, father, dad, child, kid, baby, grandson,
    granddaughter, grandmother, grandma, grandfather, grandpa, brother, sister, partner, aunt,
    uncle, niece, nephew, friend, neighbor, neighbour, roommate, boyfriend, girlfriend, fiance,
    fiancee, spouse, caregiver, doctor, cousin, stepson, stepdaughter, stepmother, stepfather,
    mother in law, father in law, son in law, daughter in law, sister in law, brother in law
    """
)

SIGN_OFFS = _phrases(
    """
    thanks again, thanks so much, thanks, thank you so much, thank you, many thanks, best
    regards, kind regards, warm regards, warmest regards, regards, best wishes, all the best,
    best, sincerely, yours truly, yours sincerely, respectfully, cordially, cheers, take care,
    warmly, signed
    """
)

STREET_SUFFIXES = _tuple(
    "street st avenue ave av road rd boulevard blvd drive dr lane ln court ct place pl way "
    "terrace ter circle cir parkway pkwy highway hwy trail trl square sq loop pike alley "
    "crescent plaza plz expressway expy turnpike tpke"
)

UNIT_WORDS = _tuple("apartment apt unit suite ste room rm floor fl bldg lot")

STATE_CODES = _tuple(
    "AL AK AZ AR CA CO CT DE DC FL GA HI ID IL IN IA KS KY LA ME MD MA MI MN MS MO MT NE NV "
    "NH NJ NM NY NC ND OH OK OR PA RI SC SD TN TX UT VT VA WA WV WI WY PR"
)

STATE_NAMES = _phrases(
    """
    alabama, alaska, arizona, arkansas, california, colorado, connecticut, delaware, florida,
    georgia, hawaii, idaho, illinois, indiana, iowa, kansas, kentucky, louisiana, maine,
    maryland, massachusetts, michigan, minnesota, mississippi, missouri, montana, nebraska,
    nevada, new hampshire, new jersey, new mexico, new york, north carolina, north dakota, ohio,
    oklahoma, oregon, pennsylvania, rhode island, south carolina, south dakota, tennessee,
    texas, utah, vermont, virginia, washington, west virginia, wisconsin, wyoming
    """
)

MONTHS = _tuple(
    "january february march april may june july august september october november december "
    "jan feb mar apr jun jul aug sept sep oct nov dec"
)

DIGIT_WORDS = _tuple("zero one two three four five six seven eight nine")  # in digit order

ORDINAL_WORDS = _tuple(
    "first second third fourth fifth sixth seventh eighth ninth tenth eleventh twelfth "
    "thirteenth fourteenth fifteenth sixteenth seventeenth eighteenth nineteenth twentieth "
    "thirtieth"
)

NUMBER_WORDS = _tuple(
    "oh one two three four five six seven eight nine ten eleven twelve thirteen fourteen "
    "fifteen sixteen seventeen eighteen nineteen twenty thirty forty fifty sixty seventy "
    "eighty ninety"
)

# --- Context words: nearby words that make an ambiguous match personal (or not) -----------

PHONE_CONTEXT = _phrases(
    """
    phone, call, calls, calling, callback, call back, reach, reached, cell, mobile, telephone,
    tel, contact, text, fax, voicemail, landline, my number, home number, work number, ph
    """
)

# Words before a number that make it a business reference, not a person's number.
ACCOUNT_WORDS = _phrases(
    """
    order, tracking, confirmation, invoice, reference, ref, case, ticket, claim, account, lot,
    npi, dea
    """
)

RX_CONTEXT = _phrases("rx, r x, prescription, prescriptions, script, refill, refills")

INSURANCE_CONTEXT = _phrases(
    """
    insurance, insurer, member, subscriber, policy, plan, coverage, medicare, medicaid, tricare,
    aetna, cigna, humana, anthem, kaiser, blue cross, bcbs, unitedhealthcare, uhc, optum,
    caremark
    """
)

SSN_CONTEXT = _phrases("ssn, ss#, social, social security, tax id, tin")

CARD_CONTEXT = _phrases(
    """
    card, visa, mastercard, amex, american express, discover, credit, debit, payment, pay,
    charge, cvv
    """
)

DOB_CONTEXT = _phrases(
    "dob, d.o.b, d.o.b., d o b, date of birth, birth date, birthdate, born, birthday, bday, b-day"
)
