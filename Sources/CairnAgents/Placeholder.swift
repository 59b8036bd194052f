// CairnAgents
